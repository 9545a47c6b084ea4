// Our fixtures for Phoenix LiveView's suite, copied by scripts/phoenix-e2e
// over the suite's own. They keep its checks after every test: no
// unhandled page error (unless a test opts out with `ignoreJSErrors`), and
// no element left with `data-phx-skip`. No coverage collection.
import { test as base, expect } from "@playwright/test";

const test = base.extend({
  ignoreJSErrors: [false, { option: true }],

  page: async ({ page, ignoreJSErrors }, use) => {
    const errors = [];
    page.on("pageerror", (error) => errors.push(error));
    await use(page);
    if (!ignoreJSErrors) {
      expect(errors, "Detected an unhandled JavaScript Error!").toEqual([]);
    }
    await expect(page.locator("[data-phx-skip]")).toHaveCount(0);
  },
});

export { test, expect };
