import { Link, useLocation } from "react-router-dom";

export default function NotFoundPage() {
  const { pathname } = useLocation();
  return (
    <section>
      <h1>Not found</h1>
      <p>
        Nothing lives at <code>{pathname}</code>. <Link to="/agents">Back to the agents</Link>.
      </p>
    </section>
  );
}
