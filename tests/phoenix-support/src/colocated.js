// The hooks and JS of the suite's colocated views, as Phoenix's colocated
// assets would export them: hooks under the fully qualified names their
// `phx-hook` attributes use, colocated JS functions under their names in
// the default export. Written for this support app.

export const hooks = {
  "Phoenix.LiveViewTest.E2E.Issue4147Live.HookOutside": {
    mounted() {
      console.log("HookOutside mounted");
    },
  },
  // Formats a 10-digit phone number as 123-456-7890 while typing.
  "Phoenix.LiveViewTest.E2E.ColocatedLive.PhoneNumber": {
    mounted() {
      this.el.addEventListener("input", () => {
        const digits = this.el.value.replace(/\D/g, "").match(/^(\d{3})(\d{3})(\d{4})$/);
        if (digits) {
          this.el.value = `${digits[1]}-${digits[2]}-${digits[3]}`;
        }
      });
    },
  },
};

export default {
  // Runs the JS commands the server pushes as `js:exec` events.
  js_exec(liveSocket) {
    window.addEventListener("phx:js:exec", (e) => liveSocket.execJS(liveSocket.main.el, e.detail.cmd));
  },
};
