// Our Playwright configuration for Phoenix LiveView's suite, copied by
// scripts/phoenix-e2e over the suite's own: Chromium only (Debian's, or
// CHROMIUM), the "Desktop Chrome" device, the support app on
// localhost:4004 (started by the runner), no coverage, a JSON report for
// the runner's ratchet.
import { devices } from "@playwright/test";

const chromium = process.env.CHROMIUM || "/usr/bin/chromium";

export default {
  testDir: "./tests",
  // Spec files the runner runs in a pass of their own (a comma-separated list).
  testIgnore: (process.env.PHOENIX_E2E_IGNORE || "")
    .split(",")
    .filter(Boolean)
    .map((file) => `**/${file}`),
  forbidOnly: true,
  retries: 0,
  workers: Number(process.env.PHOENIX_E2E_WORKERS || 2),
  reporter: [
    ["line"],
    ["json", { outputFile: process.env.PHOENIX_E2E_RESULTS || "results.json" }],
  ],
  use: {
    trace: "off",
    screenshot: "off",
    baseURL: `http://localhost:${process.env.PHOENIX_E2E_PORT || 4004}/`,
    ignoreHTTPSErrors: true,
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: { executablePath: chromium, args: ["--no-sandbox"] },
      },
    },
  ],
  outputDir: "test-results",
};
