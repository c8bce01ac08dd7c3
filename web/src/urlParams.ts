import { useLayoutEffect, useRef } from "react";
import { type NavigateOptions, useSearchParams } from "react-router";

type Change = (next: URLSearchParams) => void;

/** The page's URL parameters, and a setter that builds on the last ones it set.
 *
 * React Router draws a new URL as a transition and hands its setter the parameters of the
 * last drawing, so two changes made before the page draws again (a search cleared, then a
 * status picked, on a busy browser) would keep only the second. Each change here starts from
 * the last URL asked for until the page has drawn it. What was asked is forgotten only once a
 * drawing is on screen: a drawing still under way can be cut short by the next input, whose
 * handler still belongs to the page as shown. */
export function useUrlParams(): [URLSearchParams, (change: Change, options?: NavigateOptions) => void] {
  const [params, setParams] = useSearchParams();
  const drawn = params.toString();
  // The URLs asked for and not drawn yet, oldest first.
  const asked = useRef<string[]>([]);
  useLayoutEffect(() => {
    const at = asked.current.indexOf(drawn);
    // One of ours is drawn: it and those before it are done. Any other URL (the back
    // button, a link) replaces them all.
    asked.current = at === -1 ? [] : asked.current.slice(at + 1);
  }, [drawn]);
  const set = (change: Change, options?: NavigateOptions) => {
    const next = new URLSearchParams(asked.current.at(-1) ?? drawn);
    change(next);
    asked.current.push(next.toString());
    setParams(next, options);
  };
  return [params, set];
}
