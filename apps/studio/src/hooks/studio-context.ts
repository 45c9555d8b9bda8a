import type { SynclineClient } from '@syncline/client';
import { createContext, useContext } from 'react';
import type { Auth } from '../lib/auth.js';

export interface Studio {
  auth: Auth;
  client: SynclineClient;
  navigate: (path: string) => void;
}

export const StudioContext = createContext<Studio | null>(null);

export function useStudio(): Studio {
  const studio = useContext(StudioContext);
  if (!studio) throw new Error('useStudio must be used inside <StudioContext.Provider>');
  return studio;
}
