import { useEffect, useLayoutEffect } from 'react';

/** Before paint in a browser; no warning from React 18 when rendered on a server (where it never runs anyway). */
export const useBrowserLayoutEffect = typeof document === 'undefined' ? useEffect : useLayoutEffect;
