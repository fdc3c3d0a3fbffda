import type { ReactNode } from 'react';

/**
 * Plain text written for a terminal (schema descriptions, preset texts,
 * messages of the back end) as a page shows it: `code` in a code face
 * instead of backticks, and arrows instead of "->".
 */
export function RichText({ text }: { text: string }): ReactNode {
  const parts = text.replace(/\s->\s/g, ' → ').split(/`([^`]+)`/g);
  return parts.map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part));
}
