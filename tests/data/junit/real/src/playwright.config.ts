import { defineConfig } from '@playwright/test';
export default defineConfig({ testDir: 'pw', retries: 1, reporter: [['junit', { outputFile: 'pw.xml' }], ['playwright-ctrf-json-reporter', { outputFile: 'pw-ctrf.json', outputDir: '.' }]] });
