import { CompanionEngine, CompanionEngineOptions } from './companion';
import { IServerEngine } from './engine';
import { SrsEngine, SrsEngineOptions } from './srs';

export * from './engine';
export * from './companion';
export * from './srs';
export * from './integration';
export * from './image';

/** Factories for the server engines a construct can deploy (`engine` prop). */
export class ServerEngine {
  /** The companion server image (the default engine). */
  public static companion(options: CompanionEngineOptions = {}): IServerEngine {
    return new CompanionEngine(options);
  }

  /** SRS (`ossrs/srs`), configured through `srs.conf` the way the SRS K8s guide does. */
  public static srs(options: SrsEngineOptions = {}): IServerEngine {
    return new SrsEngine(options);
  }

  private constructor() {}
}
