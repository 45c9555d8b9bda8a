/** Where an uploaded document is in its life. */
export type UploadStatus = 'uploaded' | 'processing' | 'processed' | 'failed' | 'cancelled';

/** The catalogue entry of an uploaded document (its bytes live in a `FileStore`). */
export interface UploadedDocument {
  documentId: string;
  name: string;
  ownerId: string;
  /** File size in bytes. */
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
