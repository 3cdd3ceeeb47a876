import type { JSX } from "preact";

/**
 * A captioned text input bound to one piece of state (`<label>Caption<input/></label>`): what is
 * typed goes to `onValue`, without surrounding spaces with `trim`.
 */
export function TextField(props: {
  label: string;
  value: string;
  onValue: (value: string) => void;
  trim?: boolean;
  name?: string;
  type?: "text" | "email" | "password" | "number";
  placeholder?: string;
  required?: boolean;
  disabled?: boolean;
  autocomplete?: string;
  minLength?: number;
  min?: string;
  step?: string;
  "aria-label"?: string;
}) {
  const { label, value, onValue, trim, ...rest } = props;
  // Preact types an input's attributes as one union member per `type`; a `type` that is itself a
  // union (or absent) matches none of them, though every combination here is valid HTML.
  const input = rest as JSX.IntrinsicElements["input"];
  return (
    <label>
      {label}
      <input
        {...input}
        value={value}
        onInput={(e) => onValue(trim ? e.currentTarget.value.trim() : e.currentTarget.value)}
      />
    </label>
  );
}
