import { useNotify } from '@syncline/react';
import { type DragEvent, useId, useRef, useState } from 'react';
import { useStudio } from '../hooks/studio-context.js';
import { uploadDocument } from '../lib/api.js';

/** Upload a PDF by picking it or dropping it here; opens the document once uploaded. */
export function UploadDropzone({ onUploaded }: { onUploaded: () => void }) {
  const { auth, navigate } = useStudio();
  const notify = useNotify();
  const [over, setOver] = useState(false);
  const [progress, setProgress] = useState<number | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const id = useId();

  const upload = async (file: File | undefined) => {
    if (!file) return;
    if (file.type !== 'application/pdf' && !file.name.toLowerCase().endsWith('.pdf')) {
      notify({ kind: 'error', title: 'Not uploaded', message: `${file.name} is not a PDF.` });
      return;
    }
    setProgress(0);
    try {
      const { documentId } = await uploadDocument(auth, file, setProgress);
      onUploaded();
      navigate(`/documents/${encodeURIComponent(documentId)}`);
    } catch (e) {
      notify({ kind: 'error', title: 'Upload failed', message: (e as Error).message });
    } finally {
      setProgress(null);
      if (input.current) input.current.value = '';
    }
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    void upload(e.dataTransfer.files[0]);
  };

  return (
    <section
      className={`dropzone${over ? ' over' : ''}`}
      aria-label="Upload a PDF"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <p>Drop a PDF here, or</p>
      <label htmlFor={id} className="button">
        Choose a PDF…
      </label>
      <input
        id={id}
        ref={input}
        className="visually-hidden"
        type="file"
        accept="application/pdf,.pdf"
        onChange={(e) => void upload(e.target.files?.[0])}
      />
      {progress !== null && (
        <progress max={100} value={Math.round(progress * 100)} aria-label="Upload progress">
          {Math.round(progress * 100)}%
        </progress>
      )}
    </section>
  );
}
