/** Citation numbering, checking and report rendering. Pure (no I/O): safe inside workflow code. */
export { normalizeUrl, numberSources } from './sources';
export { checkCitations, type CitationCheck } from './citations';
export { renderReport, type RenderReportOptions } from './render';
