// liveview-warp's browser entry: the Phoenix 1.8 generator's boot, without the
// long-poll fallback (this server has no long-poll endpoint).
import { Socket } from "/assets/phoenix-1.8.16.mjs";
import { LiveSocket } from "/assets/phoenix_live_view-1.2.12.esm.js";

// The app's own module (liveview_warp::ClientOptions::hooks_module): when one
// is configured, the server replaces the next line with `import * as ext from "…";`.
const ext = {};

const csrfToken = document.querySelector("meta[name='csrf-token']").getAttribute("content");
const params = ext.params ?? ext.liveSocketOptions?.params;
const liveSocket = new LiveSocket("/live", Socket, {
  ...ext.liveSocketOptions,
  hooks: { ...ext.liveSocketOptions?.hooks, ...ext.hooks },
  uploaders: { ...ext.liveSocketOptions?.uploaders, ...ext.uploaders },
  params: (el) => ({
    ...(typeof params === "function" ? params(el) : params),
    _csrf_token: csrfToken,
  }),
});
liveSocket.connect();
window.liveSocket = liveSocket;
