import type { ComponentType, FunctionComponent } from "preact";
import { useEffect, useState } from "preact/hooks";
import { errorMessage } from "./api.ts";
import { ErrorBox, Loading } from "./components/ui.tsx";

/**
 * A page whose code is fetched on first use (`import()` makes it a chunk of its own): the
 * observability pages and their charts stay out of the first load. `what` fills "Loading {what}…".
 */
export function lazyPage<P extends object>(
  load: () => Promise<ComponentType<P>>,
  what: string,
): FunctionComponent<P> {
  let loaded: ComponentType<P> | undefined;
  let pending: Promise<ComponentType<P>> | undefined;
  const fetchPage = () => {
    pending ??= load().then((component) => {
      loaded = component;
      return component;
    });
    // A failed fetch (a new release replaced the chunk, the network dropped) may be retried.
    pending.catch(() => {
      pending = undefined;
    });
    return pending;
  };
  return function LazyPage(props: P) {
    const [component, setComponent] = useState<ComponentType<P> | undefined>(() => loaded);
    const [error, setError] = useState<string | null>(null);
    useEffect(() => {
      if (component) return;
      let live = true;
      fetchPage().then(
        (c) => live && setComponent(() => c),
        (e) => live && setError(errorMessage(e)),
      );
      return () => {
        live = false;
      };
    }, [component]);
    if (error) return <ErrorBox error={`Could not load this page: ${error}. Reload to try again.`} />;
    if (!component) return <Loading what={what} />;
    const Page = component;
    return <Page {...props} />;
  };
}
