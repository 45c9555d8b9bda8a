/** Where an uploaded document is in its life; `blank` for a document made without a PDF (it stays so). */
export type UploadStatus = 'uploaded' | 'processing' | 'processed' | 'failed' | 'cancelled' | 'blank';

/**
 * The catalogue entry of a document: an uploaded PDF (its bytes live in a `FileStore`), or a blank document
 * (`status: 'blank'`, no file: `size` 0, `pages` and `jobId` null; `blank-document.ts`).
 */
export interface UploadedDocument {
  documentId: string;
  name: string;
  ownerId: string;
  /** File size in bytes (0: no file). */
  size: number;
  createdAt: number;
  updatedAt: number;
  status: UploadStatus;
  pages: number | null;
  /** The latest processing job. */
  jobId: string | null;
}

export type UploadedDocumentPatch = Partial<Pick<UploadedDocument, 'name' | 'status' | 'pages' | 'jobId'>> & {
  now: number;
};
