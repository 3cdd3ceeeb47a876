/**
 * `value` + `onInput` for a text input bound to one key of a form's state object:
 * `<input {...field("name")} />` instead of writing the pair out for every input.
 */
export function bindFields<F extends Record<string, string>>(form: F, setForm: (next: F) => void) {
  return (key: keyof F) => ({
    value: form[key],
    onInput: (e: { currentTarget: HTMLInputElement }) => setForm({ ...form, [key]: e.currentTarget.value }),
  });
}
