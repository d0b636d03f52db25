// Form controls with a label, a hint and the API's error for that field, wired for screen
// readers: the error and hint are the control's accessible description.
import { useEffect, useState, type ReactNode } from "react";

export interface ControlProps {
  id: string;
  "aria-invalid"?: boolean;
  "aria-describedby"?: string;
  "aria-errormessage"?: string;
}

interface FieldProps {
  id: string;
  label: string;
  error?: string;
  hint?: ReactNode;
  required?: boolean;
  className?: string;
  children: (props: ControlProps) => ReactNode;
}

export function Field({ id, label, error, hint, required, className, children }: FieldProps) {
  const described = [error ? `${id}-error` : "", hint ? `${id}-hint` : ""].filter(Boolean).join(" ");
  return (
    <div className={`rs-field ${error ? "has-error" : ""} ${className ?? ""}`}>
      <div className="rs-label-row">
        <label htmlFor={id}>{label}</label>
        {required && (
          <span className="rs-req" aria-hidden="true" title="required">
            *
          </span>
        )}
      </div>
      {children({
        id,
        "aria-invalid": error ? true : undefined,
        "aria-describedby": described || undefined,
        "aria-errormessage": error ? `${id}-error` : undefined,
      })}
      {error && (
        <div className="field-error" id={`${id}-error`}>
          {error}
        </div>
      )}
      {hint && (
        <div className="rs-hint" id={`${id}-hint`}>
          {hint}
        </div>
      )}
    </div>
  );
}

interface TextProps {
  id: string;
  label: string;
  value: string | undefined;
  onChange: (value: string) => void;
  error?: string;
  hint?: ReactNode;
  placeholder?: string;
  disabled?: boolean;
  required?: boolean;
  type?: "text" | "password" | "url" | "number";
  list?: string;
  autoComplete?: string;
  className?: string;
}

export function TextField({ value, onChange, placeholder, disabled, type, list, autoComplete, ...field }: TextProps) {
  return (
    <Field {...field}>
      {(props) => (
        <input
          {...props}
          type={type ?? "text"}
          value={value ?? ""}
          placeholder={placeholder}
          disabled={disabled}
          required={field.required}
          list={list}
          autoComplete={autoComplete ?? "off"}
          spellCheck={false}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

export function TextAreaField({
  value,
  onChange,
  placeholder,
  disabled,
  rows,
  ...field
}: Omit<TextProps, "type" | "list"> & { rows?: number }) {
  return (
    <Field {...field}>
      {(props) => (
        <textarea
          {...props}
          value={value ?? ""}
          placeholder={placeholder}
          disabled={disabled}
          rows={rows ?? 4}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

export interface Option {
  value: string;
  label?: string;
}

export function SelectField({
  value,
  onChange,
  options,
  disabled,
  ...field
}: Omit<TextProps, "type" | "list" | "placeholder"> & { options: Option[] }) {
  const known = options.some((o) => o.value === (value ?? ""));
  return (
    <Field {...field}>
      {(props) => (
        <select {...props} value={value ?? ""} disabled={disabled} onChange={(e) => onChange(e.target.value)}>
          {!known && <option value={value ?? ""}>{value ? `${value} (not found)` : "—"}</option>}
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label ?? o.value}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export function CheckboxField({
  id,
  label,
  checked,
  onChange,
  error,
  hint,
  disabled,
}: {
  id: string;
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  error?: string;
  hint?: ReactNode;
  disabled?: boolean;
}) {
  const described = [error ? `${id}-error` : "", hint ? `${id}-hint` : ""].filter(Boolean).join(" ");
  return (
    <div className={`rs-field rs-check ${error ? "has-error" : ""}`}>
      <input
        id={id}
        type="checkbox"
        checked={checked}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
        aria-errormessage={error ? `${id}-error` : undefined}
        onChange={(e) => onChange(e.target.checked)}
      />
      <label htmlFor={id}>{label}</label>
      {error && (
        <div className="field-error" id={`${id}-error`}>
          {error}
        </div>
      )}
      {hint && (
        <div className="rs-hint" id={`${id}-hint`}>
          {hint}
        </div>
      )}
    </div>
  );
}

/** Integer input that writes a number (or undefined when cleared). */
export function NumberField({
  value,
  onChange,
  min,
  ...field
}: Omit<TextProps, "type" | "value" | "onChange"> & {
  value: number | undefined;
  onChange: (value: number | undefined) => void;
  min?: number;
}) {
  return (
    <Field {...field}>
      {(props) => (
        <input
          {...props}
          type="number"
          inputMode="numeric"
          min={min}
          value={value ?? ""}
          placeholder={field.placeholder}
          disabled={field.disabled}
          onChange={(e) => onChange(e.target.value === "" ? undefined : Number(e.target.value))}
        />
      )}
    </Field>
  );
}

/** A fieldset section of a form, with its own error (e.g. for a whole list). */
export function Section({
  title,
  children,
  error,
  id,
  actions,
}: {
  title: string;
  children: ReactNode;
  error?: string;
  id: string;
  actions?: ReactNode;
}) {
  return (
    <fieldset className="rs-section" aria-describedby={error ? `${id}-error` : undefined}>
      <legend>{title}</legend>
      {actions && <div className="rs-section-actions">{actions}</div>}
      {error && (
        <div className="field-error" id={`${id}-error`}>
          {error}
        </div>
      )}
      {children}
    </fieldset>
  );
}

/**
 * A list of strings edited as text (comma- or line-separated). Keeps the user's typing
 * (a trailing comma, a blank line) and only rewrites the text when the list changes from
 * outside, e.g. from the YAML.
 */
export function ListField({
  value,
  onChange,
  separator,
  rows,
  ...field
}: Omit<TextProps, "type" | "list" | "value" | "onChange"> & {
  value: string[] | undefined;
  onChange: (value: string[] | undefined) => void;
  separator: "," | "\n";
  rows?: number;
}) {
  const split = (text: string) =>
    text
      .split(separator)
      .map((s) => s.trim())
      .filter(Boolean);
  const join = (list: string[] | undefined) => (list ?? []).join(separator === "," ? ", " : "\n");
  const [text, setText] = useState(() => join(value));
  useEffect(() => {
    if (join(split(text)) !== join(value)) setText(join(value));
  }, [value]); // eslint-disable-line react-hooks/exhaustive-deps
  const edit = (next: string) => {
    setText(next);
    const list = split(next);
    onChange(list.length ? list : undefined);
  };
  return (
    <Field {...field}>
      {(props) =>
        separator === "," ? (
          <input {...props} value={text} placeholder={field.placeholder} onChange={(e) => edit(e.target.value)} />
        ) : (
          <textarea
            {...props}
            value={text}
            rows={rows ?? 3}
            placeholder={field.placeholder}
            onChange={(e) => edit(e.target.value)}
          />
        )
      }
    </Field>
  );
}
