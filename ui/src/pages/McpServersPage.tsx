// Placeholder: filled in by the page's owner.
export default function McpServersPage() {
  return <h1>McpServers</h1>;
}
