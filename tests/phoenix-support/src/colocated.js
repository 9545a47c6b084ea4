// The hooks of the suite's colocated views, under the fully qualified names
// their `phx-hook` attributes use. Written for this support app.
export const hooks = {
  "Phoenix.LiveViewTest.E2E.Issue4147Live.HookOutside": {
    mounted() {
      console.log("HookOutside mounted");
    },
  },
};
