// Every test layer, compiled by `tsc -p .` into dist/. Integration tests skip themselves (with a printed
// reason) when not root. The reporter prints mocha's spec output and a closing "N passed, N failed" line.
module.exports = {
  spec: [
    'dist/test/unit/**/*.test.js',
    'dist/test/rfc/**/*.test.js',
    'dist/test/sim/**/*.test.js',
    'dist/test/integration/**/*.test.js',
  ],
  reporter: './test/summary-reporter.cjs',
  timeout: 20000,
  exit: true,
};
