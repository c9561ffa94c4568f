/** The one TCP probe of the repository's suites lives in `@cache/contract`. */
export { canConnect, type Endpoint } from '@cache/contract';
