module.exports = { testMatch: ['**/t/*.test.js'], reporters: ['default', ['jest-ctrf-json-reporter', { outputFile: 'jest-ctrf.json', outputDir: '.' }]] };
