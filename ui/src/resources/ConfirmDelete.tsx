// A Delete button that asks first, in a modal <dialog> (focus stays inside; Escape cancels).
import { useRef, useState } from "react";
import { del } from "../api/client";

interface Props {
  what: string;
  path: string;
  consequence?: string;
  onDeleted: () => void;
}

export default function ConfirmDelete({ what, path, consequence, onDeleted }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await del(path);
      dialog.current?.close();
      onDeleted();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className="danger" onClick={() => dialog.current?.showModal()}>
        Delete
      </button>
      <dialog ref={dialog} className="rs-dialog" aria-labelledby="delete-title">
        <h2 id="delete-title">Delete {what}?</h2>
        {consequence && <p>{consequence}</p>}
        {error && (
          <div className="error-banner" role="alert">
            {error}
          </div>
        )}
        <div className="row rs-dialog-actions">
          <button type="button" onClick={() => dialog.current?.close()} autoFocus>
            Cancel
          </button>
          <button type="button" className="primary rs-danger-fill" disabled={busy} onClick={confirm}>
            {busy ? "Deleting…" : `Delete ${what}`}
          </button>
        </div>
      </dialog>
    </>
  );
}
