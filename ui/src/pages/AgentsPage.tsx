// Placeholder: filled in by the page's owner.
export default function AgentsPage() {
  return <h1>Agents</h1>;
}
