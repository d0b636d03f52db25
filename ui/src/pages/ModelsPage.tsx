// Placeholder: filled in by the page's owner.
export default function ModelsPage() {
  return <h1>Models</h1>;
}
