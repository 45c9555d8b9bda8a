import { createContext, useContext } from 'react';
import type { Auth } from '../lib/auth.js';

/** The app's own state: who is signed in, and navigation. The connection is `@syncline/react`'s provider. */
export interface Studio {
  auth: Auth;
  navigate: (path: string) => void;
}

export const StudioContext = createContext<Studio | null>(null);

export function useStudio(): Studio {
  const studio = useContext(StudioContext);
  if (!studio) throw new Error('useStudio must be used inside <StudioContext.Provider>');
  return studio;
}
