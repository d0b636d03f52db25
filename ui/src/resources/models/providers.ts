// The provider-specific block of a ModelConfig (src/bosun/api/modelconfig.py): which block
// each provider uses and the fields the form offers for it. Other fields of the block are
// kept as written (edit them in the YAML).
import type { ErrorRule } from "../errors";

export interface ProviderField {
  key: string;
  label: string;
  kind: "text" | "url" | "int" | "decimal" | "select";
  options?: string[];
  required?: boolean;
  placeholder?: string;
}

const temperature: ProviderField = { key: "temperature", label: "Temperature", kind: "decimal", placeholder: "0.7" };
const maxTokens: ProviderField = { key: "maxTokens", label: "Max tokens", kind: "int", placeholder: "4096" };
const topP: ProviderField = { key: "topP", label: "Top p", kind: "decimal", placeholder: "1.0" };
const baseUrl: ProviderField = { key: "baseUrl", label: "Base URL", kind: "url", placeholder: "https://…/v1" };
const vertex: ProviderField[] = [
  { key: "projectID", label: "Project ID", kind: "text", required: true },
  { key: "location", label: "Location", kind: "text", required: true, placeholder: "us-central1" },
];

export interface ProviderInfo {
  block: string;
  fields: ProviderField[];
  needsKey: boolean;
  modelHint: string;
}

export const PROVIDERS: Record<string, ProviderInfo> = {
  OpenAI: {
    block: "openAI",
    needsKey: true,
    modelHint: "gpt-4.1-mini",
    fields: [
      { ...baseUrl, placeholder: "https://api.openai.com/v1 (or any OpenAI-compatible URL)" },
      { key: "organization", label: "Organization", kind: "text" },
      temperature,
      maxTokens,
      topP,
      { key: "reasoningEffort", label: "Reasoning effort", kind: "select", options: ["", "minimal", "low", "medium", "high"] },
      { key: "timeout", label: "Timeout (seconds)", kind: "int" },
    ],
  },
  Anthropic: {
    block: "anthropic",
    needsKey: true,
    modelHint: "claude-sonnet-4-5",
    fields: [baseUrl, maxTokens, temperature, topP, { key: "topK", label: "Top k", kind: "int" }],
  },
  AzureOpenAI: {
    block: "azureOpenAI",
    needsKey: true,
    modelHint: "gpt-4o",
    fields: [
      { key: "azureEndpoint", label: "Azure endpoint", kind: "url", required: true, placeholder: "https://RESOURCE.openai.azure.com" },
      { key: "apiVersion", label: "API version", kind: "text", required: true, placeholder: "2024-10-21" },
      { key: "azureDeployment", label: "Deployment", kind: "text" },
      temperature,
      maxTokens,
      topP,
    ],
  },
  Ollama: {
    block: "ollama",
    needsKey: false,
    modelHint: "llama3.2",
    fields: [{ key: "host", label: "Host", kind: "url", placeholder: "http://localhost:11434" }],
  },
  Gemini: {
    block: "gemini",
    needsKey: true,
    modelHint: "gemini-2.5-flash",
    fields: [baseUrl, temperature, { key: "maxOutputTokens", label: "Max output tokens", kind: "int" }, topP],
  },
  GeminiVertexAI: {
    block: "geminiVertexAI",
    needsKey: false,
    modelHint: "gemini-2.5-flash",
    fields: [...vertex, temperature, { key: "maxOutputTokens", label: "Max output tokens", kind: "int" }, topP],
  },
  AnthropicVertexAI: {
    block: "anthropicVertexAI",
    needsKey: false,
    modelHint: "claude-sonnet-4-5",
    fields: [...vertex, temperature, maxTokens, topP],
  },
  Bedrock: {
    block: "bedrock",
    needsKey: false,
    modelHint: "anthropic.claude-sonnet-4-5-v1:0",
    fields: [{ key: "region", label: "Region", kind: "text", required: true, placeholder: "us-east-1" }, baseUrl, temperature, maxTokens, topP],
  },
};

export const MODEL_ERROR_RULES: ErrorRule[] = [
  [/^metadata\.name$/, "name"],
  [/^metadata\.namespace$/, "namespace"],
  [/^spec\.provider$/, "provider"],
  [/^spec\.model$/, "model"],
  [/^apiKey$/, "apiKey"],
  [/^spec\.apiKeySecret$/, "apiKeySecret"],
  [/^spec\.apiKeySecretKey$/, "apiKeySecretKey"],
];

/** The rules for a form whose provider is `provider`: its block's fields have controls. */
export function modelErrorRules(provider: string): ErrorRule[] {
  const info = PROVIDERS[provider];
  if (!info) return MODEL_ERROR_RULES;
  const keys = info.fields.map((f) => f.key).join("|");
  return [...MODEL_ERROR_RULES, [new RegExp(`^spec\\.${info.block}\\.(${keys})($|[.[])`), (m) => `block:${m[1]}`]];
}
