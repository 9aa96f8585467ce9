import { useState } from 'react';
import { Button } from 'react-aria-components';

/** Copies a value to the clipboard and says so (to screen readers too). */
export function CopyButton({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <>
      <Button
        className="button secondary small"
        onPress={async () => {
          await navigator.clipboard.writeText(value);
          setCopied(true);
          setTimeout(() => setCopied(false), 2000);
        }}
      >
        {copied ? 'Copied' : 'Copy'}
        {/* The accessible name starts with the visible text (WCAG 2.5.3) and says what is copied. */}
        <span className="visually-hidden"> {label}</span>
      </Button>
      <span className="visually-hidden" aria-live="polite">
        {copied ? `${label} copied` : ''}
      </span>
    </>
  );
}
