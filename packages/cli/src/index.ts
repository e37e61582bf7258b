// Placeholder while the CLI is written (issue 5).
export {};
