// Placeholder: filled in by the page's owner.
export default function UsagePage() {
  return <h1>Usage</h1>;
}
