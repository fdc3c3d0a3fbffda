import { create } from 'zustand';

/** A short message at the corner of the window (a run ended), with one action, until dismissed. */
export interface Toast {
  id: number;
  kind: 'ok' | 'error' | 'info';
  title: string;
  body: string;
  action: { label: string; run: () => void } | null;
}

interface ToastState {
  toasts: Toast[];
  push(toast: Omit<Toast, 'id'>): void;
  dismiss(id: number): void;
}

const MAX_TOASTS = 4;
/** Good news goes away by itself after a while; an error stays until dismissed. */
const AUTO_DISMISS_MS = 30_000;
let counter = 0;

export const useToastStore = create<ToastState>()((set) => ({
  toasts: [],
  push(toast) {
    const id = ++counter;
    set((s) => ({ toasts: [...s.toasts, { ...toast, id }].slice(-MAX_TOASTS) }));
    if (toast.kind !== 'error') setTimeout(() => useToastStore.getState().dismiss(id), AUTO_DISMISS_MS);
  },
  dismiss(id) {
    set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
  },
}));
