export { renderText } from './text';
export { renderMonitor, hubbleFlows } from './monitor';
