import { useLayoutEffect, useRef } from "react";

/** A ref to the value of the last render the page committed, for callbacks that outlive a
 * render (the feed's handlers). It is written once the render is committed, never while
 * drawing: a render React throws away leaves it as it was. */
export function useLatest<T>(value: T) {
  const ref = useRef(value);
  useLayoutEffect(() => {
    ref.current = value;
  });
  return ref;
}
