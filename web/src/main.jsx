// Entry of the offline GraphiQL playground served by the reimburse binary.
//
// Everything the page needs is bundled: the editor workers, the styles and the
// icon font (text uses system fonts). The page talks only to /graphql on its
// own origin. See README.md.
import { StrictMode, useCallback, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
// graphiql/style.css would also inline the Roboto and Fira Code fonts (about
// 400 kB) and a second copy of Monaco's CSS (Monaco's modules import their
// own); the parts below keep the page small and fall back to system fonts.
import '@graphiql/react/style.css';
import '@graphiql/plugin-doc-explorer/style.css';
import '@graphiql/plugin-history/style.css';
import 'graphiql/graphiql.css';

// GRAPHQL_PATH is the same-origin endpoint of the API.
const GRAPHQL_PATH = '/graphql';

// TOKEN_PLACEHOLDER is what the user replaces with an API token.
const TOKEN_PLACEHOLDER = '<paste token>';

// AUTH_KEY is the localStorage key that keeps the Authorization header
// across reloads. The page keeps it itself: GraphiQL's own header
// persistence (shouldPersistHeaders) opens an empty extra tab on every
// reload in graphiql 5.4.
const AUTH_KEY = 'reimburse:authorization';

// defaultHeaders returns the header editor's text for a new tab: the stored
// Authorization header, or the placeholder to replace.
function defaultHeaders() {
  let auth = null;
  try {
    auth = localStorage.getItem(AUTH_KEY);
  } catch {
    // Storage disabled: the user pastes the token on every visit.
  }
  return JSON.stringify({ Authorization: auth || `Bearer ${TOKEN_PLACEHOLDER}` }, null, 2);
}

// storeAuthorization keeps the Authorization header of the header editor's
// text; text that does not parse (mid-edit) changes nothing.
function storeAuthorization(text) {
  let headers;
  try {
    headers = JSON.parse(text || '{}');
  } catch {
    return;
  }
  const auth = headerValue(headers, 'authorization');
  try {
    if (!auth) localStorage.removeItem(AUTH_KEY);
    else if (!auth.includes(TOKEN_PLACEHOLDER)) localStorage.setItem(AUTH_KEY, auth);
  } catch {
    // Storage disabled or full: nothing to keep.
  }
}

const DEFAULT_QUERY = `# Paste your API token in place of
# ${TOKEN_PLACEHOLDER} in Headers (below): this
# browser keeps it. Then press Ctrl-Enter.
#
# Totals of all events; report(from:, to:,
# caregiverIds:) narrows the period and people.
query ReportTotals {
  report {
    totals {
      eventCount
      amount {
        amount
        currency
      }
    }
  }
}
`;

// Monaco asks for a worker per language; the build compiles their hashed
// file names in (see build.mjs). Same-origin classic workers need no blob:
// URLs and no CDN.
const WORKER_FILES = __WORKER_FILES__;
globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    const name = label === 'json' || label === 'graphql' ? `${label}.worker` : 'editor.worker';
    return new Worker(new URL(WORKER_FILES[name], import.meta.url), { name: label });
  },
};

// headerValue returns the value of header name (case-insensitive) or ''.
function headerValue(headers, name) {
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k.toLowerCase() === name) return String(v);
  }
  return '';
}

// authorizationOf extracts the Authorization header from the header editor's
// text; unparsable text yields ''.
function authorizationOf(text) {
  try {
    return headerValue(JSON.parse(text || '{}'), 'authorization');
  } catch {
    return '';
  }
}

// createFetcher returns a GraphiQL fetcher that POSTs to GRAPHQL_PATH. A
// header that still holds the placeholder is answered locally, so the first
// page load does not send a request that can only fail.
function createFetcher() {
  return async (params, opts) => {
    const headers = opts?.headers ?? {};
    if (headerValue(headers, 'authorization').includes(TOKEN_PLACEHOLDER)) {
      return {
        errors: [{ message: `Replace ${TOKEN_PLACEHOLDER} in the Headers tab with your API token.` }],
      };
    }
    const res = await fetch(GRAPHQL_PATH, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        Accept: 'application/graphql-response+json, application/json',
        'Content-Type': 'application/json',
        ...headers,
      },
      body: JSON.stringify(params),
    });
    const text = await res.text();
    try {
      return JSON.parse(text);
    } catch {
      return { errors: [{ message: `HTTP ${res.status}: ${text.slice(0, 500)}` }] };
    }
  };
}

function App() {
  // A new fetcher makes GraphiQL fetch the schema again: done when the
  // Authorization header changes, so pasting a token loads the docs.
  const [fetcher, setFetcher] = useState(createFetcher);
  const [initialHeaders] = useState(defaultHeaders);
  const lastAuth = useRef('');
  const timer = useRef(0);
  useEffect(() => () => clearTimeout(timer.current), []);
  const onEditHeaders = useCallback((text) => {
    storeAuthorization(text);
    const auth = authorizationOf(text);
    if (!auth || auth === lastAuth.current || auth.includes(TOKEN_PLACEHOLDER)) return;
    lastAuth.current = auth;
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setFetcher(createFetcher), 600);
  }, []);

  return (
    <GraphiQL
      fetcher={fetcher}
      defaultQuery={DEFAULT_QUERY}
      defaultHeaders={initialHeaders}
      defaultEditorToolsVisibility="headers"
      isHeadersEditorEnabled
      shouldPersistHeaders={false}
      showPersistHeadersSettings={false}
      onEditHeaders={onEditHeaders}
    >
      <GraphiQL.Logo>Reimburse</GraphiQL.Logo>
    </GraphiQL>
  );
}

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
