#!/usr/bin/env node
// A committed shim, so package managers can link the `tollgate` bin before the TypeScript is built.
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2));
