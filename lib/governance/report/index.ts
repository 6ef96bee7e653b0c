export * from './model';
export * from './collect';
export * from './baseline';
export * from './render';
export * from './plugin';
