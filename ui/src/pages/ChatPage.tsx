// Placeholder: filled in by the page's owner.
export default function ChatPage() {
  return <h1>Chat</h1>;
}
