# The layering of core/ as a build rule (docs/ARCHITECTURE.md).
#
# irl4rec_add_layer(NAME SOURCES ... [PUBLIC ...] [PRIVATE ...])
#   A static library irl4rec_NAME (alias irl4rec::NAME) for the folder core/NAME.
# irl4rec_check_layers(NAME...)
#   After all layers exist: stops configuring on a cycle between them, and adds to each layer
#   a build step that fails on an #include "core/<folder>/..." of a folder the layer neither is
#   nor reaches through its links, or on an include of ui/ or app/ (CheckLayers.cmake).

function(irl4rec_add_layer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  add_library(irl4rec_${name} STATIC ${ARG_SOURCES})
  add_library(irl4rec::${name} ALIAS irl4rec_${name})
  target_include_directories(irl4rec_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(irl4rec_${name} PUBLIC ${ARG_PUBLIC} PRIVATE ${ARG_PRIVATE})
endfunction()

# The irl4rec:: layers a layer links directly (PUBLIC and PRIVATE).
function(_irl4rec_layer_links name layers out)
  get_target_property(links irl4rec_${name} LINK_LIBRARIES)
  set(result "")
  foreach(link IN LISTS links)
    if(link MATCHES "^irl4rec::([a-z_]+)$" AND CMAKE_MATCH_1 IN_LIST layers)
      list(APPEND result ${CMAKE_MATCH_1})
    endif()
  endforeach()
  set(${out} ${result} PARENT_SCOPE)
endfunction()

# Depth-first: fails with the cycle spelled out, else returns the layers `name` reaches.
function(_irl4rec_layer_reach name layers path out)
  if(name IN_LIST path)
    list(APPEND path ${name})
    list(JOIN path " -> " cycle)
    message(NOTICE "core layering: the libraries form a cycle: ${cycle} "
                   "(target_link_libraries in core/*/CMakeLists.txt)")
    message(FATAL_ERROR "core layering violated (docs/ARCHITECTURE.md)")
  endif()
  list(APPEND path ${name})
  _irl4rec_layer_links(${name} "${layers}" direct)
  set(reach ${direct})
  foreach(dep IN LISTS direct)
    _irl4rec_layer_reach(${dep} "${layers}" "${path}" sub)
    list(APPEND reach ${sub})
  endforeach()
  list(REMOVE_DUPLICATES reach)
  set(${out} ${reach} PARENT_SCOPE)
endfunction()

function(irl4rec_check_layers)
  set(layers ${ARGN})
  foreach(name IN LISTS layers)
    _irl4rec_layer_reach(${name} "${layers}" "" reach)
    list(APPEND reach ${name})
    list(SORT reach)
    get_target_property(sources irl4rec_${name} SOURCES)
    get_target_property(dir irl4rec_${name} SOURCE_DIR)
    set(files "")
    foreach(src IN LISTS sources)
      if(src MATCHES "\\.(h|cpp)$")
        if(NOT IS_ABSOLUTE "${src}")
          set(src "${dir}/${src}")
        endif()
        if(src MATCHES "^${PROJECT_SOURCE_DIR}/core/")
          list(APPEND files "${src}")
        endif()
      endif()
    endforeach()
    set(stamp "${CMAKE_CURRENT_BINARY_DIR}/layers/${name}.checked")
    string(REPLACE ";" "," allowed "${reach}")
    string(REPLACE ";" "," file_arg "${files}")
    add_custom_command(
      OUTPUT "${stamp}"
      COMMAND ${CMAKE_COMMAND} -DLAYER=${name} -DALLOWED=${allowed} "-DFILES=${file_arg}"
              -DROOT=${PROJECT_SOURCE_DIR} -DSTAMP=${stamp}
              -P ${PROJECT_SOURCE_DIR}/cmake/CheckLayers.cmake
      DEPENDS ${files} ${PROJECT_SOURCE_DIR}/cmake/CheckLayers.cmake
      COMMENT "Checking the includes of core/${name} (may use: ${reach})"
      VERBATIM)
    add_custom_target(irl4rec_layers_${name} DEPENDS "${stamp}")
    add_dependencies(irl4rec_${name} irl4rec_layers_${name})
  endforeach()
endfunction()
