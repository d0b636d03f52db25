// Small inline icons (the machine may have no emoji font; SVG always renders).
const common = { width: 14, height: 14, viewBox: "0 0 16 16", fill: "none", stroke: "currentColor", strokeWidth: 1.5, "aria-hidden": true } as const;

export const ThumbUp = () => (
  <svg {...common}>
    <path d="M5 7v7H2.5V7H5Zm0 0 3-5c1.2 0 1.8.8 1.5 2L9 6.5h3.6c.9 0 1.5.8 1.3 1.6l-1.1 4.6c-.2.8-.9 1.3-1.7 1.3H5" strokeLinejoin="round" />
  </svg>
);

export const ThumbDown = () => (
  <svg {...common} style={{ transform: "rotate(180deg)" }}>
    <path d="M5 7v7H2.5V7H5Zm0 0 3-5c1.2 0 1.8.8 1.5 2L9 6.5h3.6c.9 0 1.5.8 1.3 1.6l-1.1 4.6c-.2.8-.9 1.3-1.7 1.3H5" strokeLinejoin="round" />
  </svg>
);

export const Trash = () => (
  <svg {...common}>
    <path d="M2.5 4h11M6 4V2.5h4V4m-6 0 .7 9.5h6.6L12 4" strokeLinejoin="round" />
  </svg>
);

export const Pencil = () => (
  <svg {...common}>
    <path d="m10.5 2.5 3 3L6 13H3v-3l7.5-7.5Z" strokeLinejoin="round" />
  </svg>
);

export const Clip = () => (
  <svg {...common}>
    <path d="M13 7.5 8 12.5a3 3 0 0 1-4.2-4.2l5.3-5.3a2 2 0 0 1 2.8 2.8L6.6 11a1 1 0 0 1-1.4-1.4L10 4.8" strokeLinecap="round" />
  </svg>
);
