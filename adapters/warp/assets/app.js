// liveview-warp's browser entry: the Phoenix 1.8 generator's boot, without the
// long-poll fallback (this server has no long-poll endpoint).
import { Socket } from "/assets/phoenix-1.8.16.mjs";
import { LiveSocket } from "/assets/phoenix_live_view-1.2.12.esm.js";

const csrfToken = document.querySelector("meta[name='csrf-token']").getAttribute("content");
const liveSocket = new LiveSocket("/live", Socket, {
  params: { _csrf_token: csrfToken },
});
liveSocket.connect();
window.liveSocket = liveSocket;
