// The message box: Enter sends, Shift+Enter is a new line; attach files (sent as A2A file
// parts with base64 bytes); Cancel stops the running turn.
import { useRef, useState, type KeyboardEvent } from "react";
import { Clip } from "./icons";
import type { Attachment } from "./store";

const MAX_BYTES = 5 * 1024 * 1024;

function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ""));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

export function Composer({
  agent,
  busy,
  onSend,
  onCancel,
}: {
  agent: string;
  busy: boolean;
  onSend: (text: string, files: Attachment[]) => void;
  onCancel: () => void;
}) {
  const [text, setText] = useState("");
  const [files, setFiles] = useState<Attachment[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const canSend = !busy && (text.trim() !== "" || files.length > 0);

  function send() {
    if (!canSend) return;
    onSend(text.trim(), files);
    setText("");
    setFiles([]);
  }

  function onKey(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
  }

  async function attach(list: FileList | null) {
    setProblem(null);
    const added: Attachment[] = [];
    for (const file of Array.from(list ?? [])) {
      if (file.size > MAX_BYTES) {
        setProblem(`${file.name} is larger than 5 MB; attach a smaller file.`);
        continue;
      }
      added.push({ file, base64: await readBase64(file) });
    }
    setFiles((now) => [...now, ...added]);
    if (input.current) input.current.value = "";
  }

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      {files.length > 0 && (
        <ul className="attachments" aria-label="Attached files">
          {files.map((a, i) => (
            <li key={i} className="file-chip">
              <Clip /> {a.file.name}
              <button type="button" className="icon" aria-label={`Remove ${a.file.name}`} onClick={() => setFiles(files.filter((_, j) => j !== i))}>
                ✕
              </button>
            </li>
          ))}
        </ul>
      )}
      {problem && <div className="field-error">{problem}</div>}
      <label htmlFor="chat-input" className="sr-only">
        Message to {agent}
      </label>
      <textarea
        id="chat-input"
        rows={2}
        value={text}
        placeholder={`Message ${agent} (Enter sends, Shift+Enter for a new line)`}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKey}
      />
      <div className="composer-actions">
        <input ref={input} id="chat-file" type="file" multiple className="sr-only" onChange={(e) => attach(e.target.files)} />
        <label htmlFor="chat-file" className="button">
          <Clip /> Attach file
        </label>
        <span className="spacer" />
        {busy && (
          <button type="button" className="danger" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" className="primary" disabled={!canSend}>
          Send
        </button>
      </div>
    </form>
  );
}
