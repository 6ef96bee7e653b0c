export * from './model';
export * from './collect';
export * from './render';
export * from './plugin';
