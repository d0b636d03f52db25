// The agent form's A2A skills (spec.declarative.a2aConfig.skills): what the card advertises.
import { ListField, TextField } from "../fields";
import type { Skill } from "../types";

interface Props {
  skills: Skill[];
  setSkills: (skills: Skill[] | undefined) => void;
  errorOf: (control: string) => string | undefined;
}

export default function SkillsEditor({ skills, setSkills, errorOf }: Props) {
  const update = (i: number, patch: Partial<Skill>) => {
    const next = skills.map((s, j) => {
      if (j !== i) return s;
      const merged: Record<string, unknown> = { ...s, ...patch };
      for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
      return merged as unknown as Skill;
    });
    setSkills(next);
  };
  return (
    <div className="stack">
      {skills.length === 0 && <p className="muted">No skills: the agent card lists none.</p>}
      {skills.map((s, i) => {
        const error = errorOf(`skill:${i}`);
        return (
          <div className={`rs-card ${error ? "has-error" : ""}`} key={i} role="group" aria-label={`Skill ${i + 1}`}>
            {error && <div className="field-error">{error}</div>}
            <div className="rs-grid2">
              <TextField id={`skill-${i}-id`} label="Skill id" value={s.id} onChange={(v) => update(i, { id: v })} />
              <TextField id={`skill-${i}-name`} label="Skill name" value={s.name} onChange={(v) => update(i, { name: v })} />
            </div>
            <TextField
              id={`skill-${i}-description`}
              label="Skill description"
              value={s.description}
              onChange={(v) => update(i, { description: v || undefined })}
            />
            <ListField
              id={`skill-${i}-tags`}
              label="Tags"
              separator=","
              value={s.tags}
              placeholder="time, text"
              onChange={(v) => update(i, { tags: v })}
            />
            <ListField
              id={`skill-${i}-examples`}
              label="Examples (one per line)"
              separator={"\n"}
              value={s.examples}
              onChange={(v) => update(i, { examples: v })}
            />
            <button
              type="button"
              className="danger"
              onClick={() => {
                const next = skills.filter((_, j) => j !== i);
                setSkills(next.length ? next : undefined);
              }}
            >
              Remove skill {s.name || i + 1}
            </button>
          </div>
        );
      })}
      <div>
        <button type="button" onClick={() => setSkills([...skills, { id: `skill-${skills.length + 1}`, name: "" }])}>
          Add skill
        </button>
      </div>
    </div>
  );
}
