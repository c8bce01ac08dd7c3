import { useRef } from "react";
import { type NavigateOptions, useSearchParams } from "react-router";

type Change = (next: URLSearchParams) => void;

/** The page's URL parameters, and a setter that builds on the last ones it set.
 *
 * React Router draws a new URL as a transition and hands its setter the parameters of the
 * last drawing, so two changes made before the page draws again (a search cleared, then a
 * status picked, on a busy browser) would keep only the second. Until the URL moves, each
 * change here starts from the one before it. */
export function useUrlParams(): [URLSearchParams, (change: Change, options?: NavigateOptions) => void] {
  const [params, setParams] = useSearchParams();
  const drawn = params.toString();
  const pending = useRef<{ from: string; to: string } | null>(null);
  if (pending.current && drawn !== pending.current.from) pending.current = null;
  const set = (change: Change, options?: NavigateOptions) => {
    const next = new URLSearchParams(pending.current?.to ?? drawn);
    change(next);
    pending.current = { from: pending.current?.from ?? drawn, to: next.toString() };
    setParams(next, options);
  };
  return [params, set];
}
