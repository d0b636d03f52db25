// Models (ModelConfigs): the list, a model's page, and the create/edit form.
// The form (with the YAML library) is its own chunk, loaded when a form opens.
import { lazy, Suspense } from "react";
import { Route, Routes } from "react-router-dom";
import ModelDetail from "../resources/models/ModelDetail";
import ModelList from "../resources/models/ModelList";
import "../resources/resources.css";

const ModelForm = lazy(() => import("../resources/models/ModelForm"));

export default function ModelsPage() {
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <Routes>
        <Route index element={<ModelList />} />
        <Route path="new" element={<ModelForm mode="create" />} />
        <Route path=":ns/:name" element={<ModelDetail />} />
        <Route path=":ns/:name/edit" element={<ModelForm key="edit" mode="edit" />} />
      </Routes>
    </Suspense>
  );
}
