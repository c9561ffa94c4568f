/** A generated report. `build` numbers the computations of one tenant, so a test can tell them apart. */
export interface Report {
  readonly tenant: string;
  readonly name: string;
  readonly build: number;
}

/** A stand-in for an expensive per-tenant computation that counts its runs. */
export class ReportService {
  readonly #builds = new Map<string, number>();

  /** Computes report `name` for `tenant`; async like real work. */
  async generate(tenant: string, name: string): Promise<Report> {
    const build = (this.#builds.get(tenant) ?? 0) + 1;
    this.#builds.set(tenant, build);
    return { tenant, name, build };
  }
}
