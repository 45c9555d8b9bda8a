'use client';
import { type RefObject, useEffect, useLayoutEffect, useRef } from 'react';

/** `useLayoutEffect` in the browser, `useEffect` during server rendering (where neither runs). */
export const useIsomorphicLayoutEffect = typeof document === 'undefined' ? useEffect : useLayoutEffect;

/** A ref that always holds the latest `value`: handlers read it without being effect dependencies. */
export function useLatest<T>(value: T): RefObject<T> {
  const ref = useRef(value);
  useIsomorphicLayoutEffect(() => {
    ref.current = value;
  });
  return ref;
}
