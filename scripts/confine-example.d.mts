// Types of confine-example.mjs (plain Node, so the demos run it without a build).
export declare const EXAMPLE_DIR: string;
export declare const EXAMPLE_INSTALL_DIR: string;
export declare function confineExample(copyDir: string, installDir: string): string;
