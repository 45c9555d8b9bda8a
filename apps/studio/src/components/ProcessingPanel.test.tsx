// @vitest-environment jsdom
import type { WebSocketProgress } from '@syncline/react';
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessingAnnouncer } from './ProcessingPanel.js';

/** The processing state of a document as `useWebSocketProgress` gives it (the parts the announcer reads). */
const progress = (
  processingStatus: WebSocketProgress['processingStatus'],
  more: Partial<WebSocketProgress> = {},
): WebSocketProgress =>
  ({
    processingStatus,
    isProcessing: processingStatus === 'processing' || processingStatus === 'queued',
    page: null,
    pages: null,
    error: null,
    ...more,
  }) as WebSocketProgress;

describe('ProcessingAnnouncer', () => {
  afterEach(cleanup);

  it('tells a screen reader when processing ends, fails or starts again, not its every page', () => {
    const { rerender } = render(
      <ProcessingAnnouncer progress={progress('processing', { page: 3, pages: 50 })} />,
    );
    const status = screen.getByRole('status');
    expect(status.textContent).toBe('');
    rerender(<ProcessingAnnouncer progress={progress('processing', { page: 4, pages: 50 })} />);
    expect(status.textContent).toBe(''); // a page more: not said
    rerender(<ProcessingAnnouncer progress={progress('cancelled', { page: 12, pages: 50 })} />);
    expect(status.textContent).toBe('Processing cancelled after page 12 of 50.');
    rerender(<ProcessingAnnouncer progress={progress('queued', { page: 12, pages: 50 })} />);
    expect(status.textContent).toBe('Processing resumed.');
    rerender(
      <ProcessingAnnouncer
        progress={progress('failed', { page: 20, pages: 50, error: 'the PDF has no pages' })}
      />,
    );
    expect(status.textContent).toBe('Processing failed after page 20 of 50: the PDF has no pages.');
    rerender(<ProcessingAnnouncer progress={progress('processing')} />);
    rerender(<ProcessingAnnouncer progress={progress('completed')} />);
    expect(status.textContent).toBe('Processing done.');
  });

  it('says nothing of a job that ended before the document was opened, nor a failure said already', () => {
    const { rerender } = render(<ProcessingAnnouncer progress={progress('idle')} />);
    rerender(<ProcessingAnnouncer progress={progress('failed', { error: 'the PDF is encrypted' })} />);
    expect(screen.getByRole('status').textContent).toBe('');
    cleanup();
    const again = render(<ProcessingAnnouncer progress={progress('processing')} failureSaid />);
    again.rerender(<ProcessingAnnouncer progress={progress('failed', { error: 'encrypted' })} failureSaid />);
    expect(screen.getByRole('status').textContent).toBe('');
  });
});
