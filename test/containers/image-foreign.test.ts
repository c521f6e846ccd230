// The image on the other architecture CI checks (arm64 on an amd64 host: Oracle's Ampere
// A1), under qemu-user-static: it builds and serves.
import { FOREIGN_ARCH } from './engine.ts';
import { imageSuite } from './image-suite.ts';

imageSuite(FOREIGN_ARCH, false);
