// The hooks of the suite's colocated views, under the fully qualified names
// their `phx-hook` attributes use. Written for this support app.
export const hooks = {};
