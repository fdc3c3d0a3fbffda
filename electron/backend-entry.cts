// Entry of the utility process. A CommonJS shim that loads the ES module back end,
// so the fork works whatever module format utility processes start with.
void import('./backend.js').catch((error: unknown) => {
  console.error('mirage back end failed to start:', error);
  process.exit(1);
});
