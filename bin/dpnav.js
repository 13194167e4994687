#!/usr/bin/env node
// The CLI is bundled by `npm run build` into dist/cli.js; this shim only loads it.
const path = require('path');
const fs = require('fs');
const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
  console.error('dpnav: dist/cli.js is missing; run `npm run build` first');
  process.exit(2);
}
require(bundle);
