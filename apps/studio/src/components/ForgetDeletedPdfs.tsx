import { useWebSocketContext } from '@syncline/react';
import { useEffect } from 'react';
import { forgetPdf } from '../lib/pdf-cache.js';

/**
 * Drops a deleted document's PDF from the user's cache as soon as Studio hears of the deletion (`document_deleted`:
 * in the owner's user room, and in the room of a document open here), whichever page is on screen.
 */
export function ForgetDeletedPdfs({ userId }: { userId: string }) {
  const { client } = useWebSocketContext();
  useEffect(
    () => client?.subscribe('document_deleted', (d) => void forgetPdf(userId, d.documentId)),
    [client, userId],
  );
  return null;
}
