import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('no #root element');
createRoot(root).render(<App />);

// The app shell is cached by a service worker, so Studio opens (and edits saved on this device sync)
// even when the page is reloaded offline.
if ('serviceWorker' in navigator && !(window as { SYNCLINE_DEV?: boolean }).SYNCLINE_DEV) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch((e) => console.warn('service worker not registered', e));
  });
}
